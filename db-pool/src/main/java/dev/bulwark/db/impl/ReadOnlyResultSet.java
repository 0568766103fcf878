package dev.bulwark.db.impl;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import java.util.Map;

/**
 * The part of {@link ResultSet} a row read on the event loop ({@link LoopRow}) does not offer:
 * cursor movement, updates, metadata, streams, LOBs and the temporal and binary getters. Each
 * throws {@link SQLFeatureNotSupportedException} naming the method; {@link LoopReads} then runs
 * the statement through JDBC from then on, so a mapper that needs one of these still works.
 */
abstract class ReadOnlyResultSet implements ResultSet {

  static SQLFeatureNotSupportedException unsupported(String method) {
    return new SQLFeatureNotSupportedException("ResultSet." + method
        + " is not offered by a row read on the event loop (DbOptions.eventLoopReads)");
  }

  @Override
  public final boolean next() throws SQLException { throw unsupported("next"); }
  @Override
  public final BigDecimal getBigDecimal(int a0, int a1) throws SQLException { throw unsupported("getBigDecimal"); }
  @Override
  public final byte[] getBytes(int a0) throws SQLException { throw unsupported("getBytes"); }
  @Override
  public final Date getDate(int a0) throws SQLException { throw unsupported("getDate"); }
  @Override
  public final Time getTime(int a0) throws SQLException { throw unsupported("getTime"); }
  @Override
  public final Timestamp getTimestamp(int a0) throws SQLException { throw unsupported("getTimestamp"); }
  @Override
  public final InputStream getAsciiStream(int a0) throws SQLException { throw unsupported("getAsciiStream"); }
  @Override
  public final InputStream getUnicodeStream(int a0) throws SQLException { throw unsupported("getUnicodeStream"); }
  @Override
  public final InputStream getBinaryStream(int a0) throws SQLException { throw unsupported("getBinaryStream"); }
  @Override
  public final BigDecimal getBigDecimal(String a0, int a1) throws SQLException { throw unsupported("getBigDecimal"); }
  @Override
  public final byte[] getBytes(String a0) throws SQLException { throw unsupported("getBytes"); }
  @Override
  public final Date getDate(String a0) throws SQLException { throw unsupported("getDate"); }
  @Override
  public final Time getTime(String a0) throws SQLException { throw unsupported("getTime"); }
  @Override
  public final Timestamp getTimestamp(String a0) throws SQLException { throw unsupported("getTimestamp"); }
  @Override
  public final InputStream getAsciiStream(String a0) throws SQLException { throw unsupported("getAsciiStream"); }
  @Override
  public final InputStream getUnicodeStream(String a0) throws SQLException { throw unsupported("getUnicodeStream"); }
  @Override
  public final InputStream getBinaryStream(String a0) throws SQLException { throw unsupported("getBinaryStream"); }
  @Override
  public final String getCursorName() throws SQLException { throw unsupported("getCursorName"); }
  @Override
  public final ResultSetMetaData getMetaData() throws SQLException { throw unsupported("getMetaData"); }
  @Override
  public final Reader getCharacterStream(int a0) throws SQLException { throw unsupported("getCharacterStream"); }
  @Override
  public final Reader getCharacterStream(String a0) throws SQLException { throw unsupported("getCharacterStream"); }
  @Override
  public final boolean isBeforeFirst() throws SQLException { throw unsupported("isBeforeFirst"); }
  @Override
  public final boolean isAfterLast() throws SQLException { throw unsupported("isAfterLast"); }
  @Override
  public final boolean isFirst() throws SQLException { throw unsupported("isFirst"); }
  @Override
  public final boolean isLast() throws SQLException { throw unsupported("isLast"); }
  @Override
  public final void beforeFirst() throws SQLException { throw unsupported("beforeFirst"); }
  @Override
  public final void afterLast() throws SQLException { throw unsupported("afterLast"); }
  @Override
  public final boolean first() throws SQLException { throw unsupported("first"); }
  @Override
  public final boolean last() throws SQLException { throw unsupported("last"); }
  @Override
  public final int getRow() throws SQLException { throw unsupported("getRow"); }
  @Override
  public final boolean absolute(int a0) throws SQLException { throw unsupported("absolute"); }
  @Override
  public final boolean relative(int a0) throws SQLException { throw unsupported("relative"); }
  @Override
  public final boolean previous() throws SQLException { throw unsupported("previous"); }
  @Override
  public final void setFetchDirection(int a0) throws SQLException { throw unsupported("setFetchDirection"); }
  @Override
  public final int getFetchDirection() throws SQLException { throw unsupported("getFetchDirection"); }
  @Override
  public final void setFetchSize(int a0) throws SQLException { throw unsupported("setFetchSize"); }
  @Override
  public final int getFetchSize() throws SQLException { throw unsupported("getFetchSize"); }
  @Override
  public final boolean rowUpdated() throws SQLException { throw unsupported("rowUpdated"); }
  @Override
  public final boolean rowInserted() throws SQLException { throw unsupported("rowInserted"); }
  @Override
  public final boolean rowDeleted() throws SQLException { throw unsupported("rowDeleted"); }
  @Override
  public final void updateNull(int a0) throws SQLException { throw unsupported("updateNull"); }
  @Override
  public final void updateBoolean(int a0, boolean a1) throws SQLException { throw unsupported("updateBoolean"); }
  @Override
  public final void updateByte(int a0, byte a1) throws SQLException { throw unsupported("updateByte"); }
  @Override
  public final void updateShort(int a0, short a1) throws SQLException { throw unsupported("updateShort"); }
  @Override
  public final void updateInt(int a0, int a1) throws SQLException { throw unsupported("updateInt"); }
  @Override
  public final void updateLong(int a0, long a1) throws SQLException { throw unsupported("updateLong"); }
  @Override
  public final void updateFloat(int a0, float a1) throws SQLException { throw unsupported("updateFloat"); }
  @Override
  public final void updateDouble(int a0, double a1) throws SQLException { throw unsupported("updateDouble"); }
  @Override
  public final void updateBigDecimal(int a0, BigDecimal a1) throws SQLException { throw unsupported("updateBigDecimal"); }
  @Override
  public final void updateString(int a0, String a1) throws SQLException { throw unsupported("updateString"); }
  @Override
  public final void updateBytes(int a0, byte[] a1) throws SQLException { throw unsupported("updateBytes"); }
  @Override
  public final void updateDate(int a0, Date a1) throws SQLException { throw unsupported("updateDate"); }
  @Override
  public final void updateTime(int a0, Time a1) throws SQLException { throw unsupported("updateTime"); }
  @Override
  public final void updateTimestamp(int a0, Timestamp a1) throws SQLException { throw unsupported("updateTimestamp"); }
  @Override
  public final void updateAsciiStream(int a0, InputStream a1, int a2) throws SQLException { throw unsupported("updateAsciiStream"); }
  @Override
  public final void updateBinaryStream(int a0, InputStream a1, int a2) throws SQLException { throw unsupported("updateBinaryStream"); }
  @Override
  public final void updateCharacterStream(int a0, Reader a1, int a2) throws SQLException { throw unsupported("updateCharacterStream"); }
  @Override
  public final void updateObject(int a0, Object a1, int a2) throws SQLException { throw unsupported("updateObject"); }
  @Override
  public final void updateObject(int a0, Object a1) throws SQLException { throw unsupported("updateObject"); }
  @Override
  public final void updateNull(String a0) throws SQLException { throw unsupported("updateNull"); }
  @Override
  public final void updateBoolean(String a0, boolean a1) throws SQLException { throw unsupported("updateBoolean"); }
  @Override
  public final void updateByte(String a0, byte a1) throws SQLException { throw unsupported("updateByte"); }
  @Override
  public final void updateShort(String a0, short a1) throws SQLException { throw unsupported("updateShort"); }
  @Override
  public final void updateInt(String a0, int a1) throws SQLException { throw unsupported("updateInt"); }
  @Override
  public final void updateLong(String a0, long a1) throws SQLException { throw unsupported("updateLong"); }
  @Override
  public final void updateFloat(String a0, float a1) throws SQLException { throw unsupported("updateFloat"); }
  @Override
  public final void updateDouble(String a0, double a1) throws SQLException { throw unsupported("updateDouble"); }
  @Override
  public final void updateBigDecimal(String a0, BigDecimal a1) throws SQLException { throw unsupported("updateBigDecimal"); }
  @Override
  public final void updateString(String a0, String a1) throws SQLException { throw unsupported("updateString"); }
  @Override
  public final void updateBytes(String a0, byte[] a1) throws SQLException { throw unsupported("updateBytes"); }
  @Override
  public final void updateDate(String a0, Date a1) throws SQLException { throw unsupported("updateDate"); }
  @Override
  public final void updateTime(String a0, Time a1) throws SQLException { throw unsupported("updateTime"); }
  @Override
  public final void updateTimestamp(String a0, Timestamp a1) throws SQLException { throw unsupported("updateTimestamp"); }
  @Override
  public final void updateAsciiStream(String a0, InputStream a1, int a2) throws SQLException { throw unsupported("updateAsciiStream"); }
  @Override
  public final void updateBinaryStream(String a0, InputStream a1, int a2) throws SQLException { throw unsupported("updateBinaryStream"); }
  @Override
  public final void updateCharacterStream(String a0, Reader a1, int a2) throws SQLException { throw unsupported("updateCharacterStream"); }
  @Override
  public final void updateObject(String a0, Object a1, int a2) throws SQLException { throw unsupported("updateObject"); }
  @Override
  public final void updateObject(String a0, Object a1) throws SQLException { throw unsupported("updateObject"); }
  @Override
  public final void insertRow() throws SQLException { throw unsupported("insertRow"); }
  @Override
  public final void updateRow() throws SQLException { throw unsupported("updateRow"); }
  @Override
  public final void deleteRow() throws SQLException { throw unsupported("deleteRow"); }
  @Override
  public final void refreshRow() throws SQLException { throw unsupported("refreshRow"); }
  @Override
  public final void cancelRowUpdates() throws SQLException { throw unsupported("cancelRowUpdates"); }
  @Override
  public final void moveToInsertRow() throws SQLException { throw unsupported("moveToInsertRow"); }
  @Override
  public final void moveToCurrentRow() throws SQLException { throw unsupported("moveToCurrentRow"); }
  @Override
  public final Statement getStatement() throws SQLException { throw unsupported("getStatement"); }
  @Override
  public final <T> T getObject(int a0, Class<T> a1) throws SQLException { throw unsupported("getObject(int, Class)"); }
  @Override
  public final <T> T getObject(String a0, Class<T> a1) throws SQLException { throw unsupported("getObject(String, Class)"); }
  @Override
  public final Object getObject(int a0, Map<String, Class<?>> a1) throws SQLException { throw unsupported("getObject"); }
  @Override
  public final Ref getRef(int a0) throws SQLException { throw unsupported("getRef"); }
  @Override
  public final Blob getBlob(int a0) throws SQLException { throw unsupported("getBlob"); }
  @Override
  public final Clob getClob(int a0) throws SQLException { throw unsupported("getClob"); }
  @Override
  public final Array getArray(int a0) throws SQLException { throw unsupported("getArray"); }
  @Override
  public final Object getObject(String a0, Map<String, Class<?>> a1) throws SQLException { throw unsupported("getObject"); }
  @Override
  public final Ref getRef(String a0) throws SQLException { throw unsupported("getRef"); }
  @Override
  public final Blob getBlob(String a0) throws SQLException { throw unsupported("getBlob"); }
  @Override
  public final Clob getClob(String a0) throws SQLException { throw unsupported("getClob"); }
  @Override
  public final Array getArray(String a0) throws SQLException { throw unsupported("getArray"); }
  @Override
  public final Date getDate(int a0, Calendar a1) throws SQLException { throw unsupported("getDate"); }
  @Override
  public final Date getDate(String a0, Calendar a1) throws SQLException { throw unsupported("getDate"); }
  @Override
  public final Time getTime(int a0, Calendar a1) throws SQLException { throw unsupported("getTime"); }
  @Override
  public final Time getTime(String a0, Calendar a1) throws SQLException { throw unsupported("getTime"); }
  @Override
  public final Timestamp getTimestamp(int a0, Calendar a1) throws SQLException { throw unsupported("getTimestamp"); }
  @Override
  public final Timestamp getTimestamp(String a0, Calendar a1) throws SQLException { throw unsupported("getTimestamp"); }
  @Override
  public final URL getURL(int a0) throws SQLException { throw unsupported("getURL"); }
  @Override
  public final URL getURL(String a0) throws SQLException { throw unsupported("getURL"); }
  @Override
  public final void updateRef(int a0, Ref a1) throws SQLException { throw unsupported("updateRef"); }
  @Override
  public final void updateRef(String a0, Ref a1) throws SQLException { throw unsupported("updateRef"); }
  @Override
  public final void updateBlob(int a0, Blob a1) throws SQLException { throw unsupported("updateBlob"); }
  @Override
  public final void updateBlob(String a0, Blob a1) throws SQLException { throw unsupported("updateBlob"); }
  @Override
  public final void updateClob(int a0, Clob a1) throws SQLException { throw unsupported("updateClob"); }
  @Override
  public final void updateClob(String a0, Clob a1) throws SQLException { throw unsupported("updateClob"); }
  @Override
  public final void updateArray(int a0, Array a1) throws SQLException { throw unsupported("updateArray"); }
  @Override
  public final void updateArray(String a0, Array a1) throws SQLException { throw unsupported("updateArray"); }
  @Override
  public final RowId getRowId(int a0) throws SQLException { throw unsupported("getRowId"); }
  @Override
  public final RowId getRowId(String a0) throws SQLException { throw unsupported("getRowId"); }
  @Override
  public final void updateRowId(int a0, RowId a1) throws SQLException { throw unsupported("updateRowId"); }
  @Override
  public final void updateRowId(String a0, RowId a1) throws SQLException { throw unsupported("updateRowId"); }
  @Override
  public final int getHoldability() throws SQLException { throw unsupported("getHoldability"); }
  @Override
  public final void updateNString(int a0, String a1) throws SQLException { throw unsupported("updateNString"); }
  @Override
  public final void updateNString(String a0, String a1) throws SQLException { throw unsupported("updateNString"); }
  @Override
  public final void updateNClob(int a0, NClob a1) throws SQLException { throw unsupported("updateNClob"); }
  @Override
  public final void updateNClob(String a0, NClob a1) throws SQLException { throw unsupported("updateNClob"); }
  @Override
  public final NClob getNClob(int a0) throws SQLException { throw unsupported("getNClob"); }
  @Override
  public final NClob getNClob(String a0) throws SQLException { throw unsupported("getNClob"); }
  @Override
  public final SQLXML getSQLXML(int a0) throws SQLException { throw unsupported("getSQLXML"); }
  @Override
  public final SQLXML getSQLXML(String a0) throws SQLException { throw unsupported("getSQLXML"); }
  @Override
  public final void updateSQLXML(int a0, SQLXML a1) throws SQLException { throw unsupported("updateSQLXML"); }
  @Override
  public final void updateSQLXML(String a0, SQLXML a1) throws SQLException { throw unsupported("updateSQLXML"); }
  @Override
  public final Reader getNCharacterStream(int a0) throws SQLException { throw unsupported("getNCharacterStream"); }
  @Override
  public final Reader getNCharacterStream(String a0) throws SQLException { throw unsupported("getNCharacterStream"); }
  @Override
  public final void updateNCharacterStream(int a0, Reader a1, long a2) throws SQLException { throw unsupported("updateNCharacterStream"); }
  @Override
  public final void updateNCharacterStream(String a0, Reader a1, long a2) throws SQLException { throw unsupported("updateNCharacterStream"); }
  @Override
  public final void updateAsciiStream(int a0, InputStream a1, long a2) throws SQLException { throw unsupported("updateAsciiStream"); }
  @Override
  public final void updateBinaryStream(int a0, InputStream a1, long a2) throws SQLException { throw unsupported("updateBinaryStream"); }
  @Override
  public final void updateCharacterStream(int a0, Reader a1, long a2) throws SQLException { throw unsupported("updateCharacterStream"); }
  @Override
  public final void updateAsciiStream(String a0, InputStream a1, long a2) throws SQLException { throw unsupported("updateAsciiStream"); }
  @Override
  public final void updateBinaryStream(String a0, InputStream a1, long a2) throws SQLException { throw unsupported("updateBinaryStream"); }
  @Override
  public final void updateCharacterStream(String a0, Reader a1, long a2) throws SQLException { throw unsupported("updateCharacterStream"); }
  @Override
  public final void updateBlob(int a0, InputStream a1, long a2) throws SQLException { throw unsupported("updateBlob"); }
  @Override
  public final void updateBlob(String a0, InputStream a1, long a2) throws SQLException { throw unsupported("updateBlob"); }
  @Override
  public final void updateClob(int a0, Reader a1, long a2) throws SQLException { throw unsupported("updateClob"); }
  @Override
  public final void updateClob(String a0, Reader a1, long a2) throws SQLException { throw unsupported("updateClob"); }
  @Override
  public final void updateNClob(int a0, Reader a1, long a2) throws SQLException { throw unsupported("updateNClob"); }
  @Override
  public final void updateNClob(String a0, Reader a1, long a2) throws SQLException { throw unsupported("updateNClob"); }
  @Override
  public final void updateNCharacterStream(int a0, Reader a1) throws SQLException { throw unsupported("updateNCharacterStream"); }
  @Override
  public final void updateNCharacterStream(String a0, Reader a1) throws SQLException { throw unsupported("updateNCharacterStream"); }
  @Override
  public final void updateAsciiStream(int a0, InputStream a1) throws SQLException { throw unsupported("updateAsciiStream"); }
  @Override
  public final void updateBinaryStream(int a0, InputStream a1) throws SQLException { throw unsupported("updateBinaryStream"); }
  @Override
  public final void updateCharacterStream(int a0, Reader a1) throws SQLException { throw unsupported("updateCharacterStream"); }
  @Override
  public final void updateAsciiStream(String a0, InputStream a1) throws SQLException { throw unsupported("updateAsciiStream"); }
  @Override
  public final void updateBinaryStream(String a0, InputStream a1) throws SQLException { throw unsupported("updateBinaryStream"); }
  @Override
  public final void updateCharacterStream(String a0, Reader a1) throws SQLException { throw unsupported("updateCharacterStream"); }
  @Override
  public final void updateBlob(int a0, InputStream a1) throws SQLException { throw unsupported("updateBlob"); }
  @Override
  public final void updateBlob(String a0, InputStream a1) throws SQLException { throw unsupported("updateBlob"); }
  @Override
  public final void updateClob(int a0, Reader a1) throws SQLException { throw unsupported("updateClob"); }
  @Override
  public final void updateClob(String a0, Reader a1) throws SQLException { throw unsupported("updateClob"); }
  @Override
  public final void updateNClob(int a0, Reader a1) throws SQLException { throw unsupported("updateNClob"); }
  @Override
  public final void updateNClob(String a0, Reader a1) throws SQLException { throw unsupported("updateNClob"); }
}
